MODULE BenchTextColor;

	IMPORT Ports, TextModels;

	PROCEDURE At (r: TextModels.Reader; pos: INTEGER; IN word: ARRAY OF CHAR): BOOLEAN;
		VAR i: INTEGER; ch: CHAR;
	BEGIN
		r.SetPos(pos); i := 0; r.ReadChar(ch);
		WHILE ~r.eot & (word[i] # 0X) & (ch = word[i]) DO INC(i); r.ReadChar(ch) END;
		RETURN word[i] = 0X
	END At;

	PROCEDURE Highlight* (t: TextModels.Model; IN word: ARRAY OF CHAR; color: Ports.Color): INTEGER;
		VAR r: TextModels.Reader; pos, end, n: INTEGER; ch: CHAR;
	BEGIN
		r := t.NewReader(NIL); pos := 0; n := 0;
		WHILE pos + LEN(word$) <= t.Length() DO
			IF At(r, pos, word) THEN
				end := pos + LEN(word$);
				WHILE pos < end DO	(* character by character: each keeps its own other attributes *)
					r.SetPos(pos); r.ReadChar(ch);
					t.SetAttr(pos, pos + 1, TextModels.NewColor(r.attr, color)); INC(pos)
				END;
				INC(n)
			ELSE INC(pos)
			END
		END;
		RETURN n
	END Highlight;

END BenchTextColor.
