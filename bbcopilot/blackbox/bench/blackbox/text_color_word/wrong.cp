MODULE BenchTextColor;

	IMPORT Ports, TextModels;

	PROCEDURE At (r: TextModels.Reader; pos: INTEGER; IN word: ARRAY OF CHAR): BOOLEAN;
		VAR i: INTEGER; ch: CHAR;
	BEGIN
		r.SetPos(pos); i := 0; r.ReadChar(ch);
		WHILE ~r.eot & (word[i] # 0X) & (ch = word[i]) DO INC(i); r.ReadChar(ch) END;
		RETURN word[i] = 0X
	END At;

	(* New attributes from the directory's defaults: the color is right, every other attribute is lost. *)
	PROCEDURE Highlight* (t: TextModels.Model; IN word: ARRAY OF CHAR; color: Ports.Color): INTEGER;
		VAR r: TextModels.Reader; pos, n: INTEGER;
	BEGIN
		r := t.NewReader(NIL); pos := 0; n := 0;
		WHILE pos + LEN(word$) <= t.Length() DO
			IF At(r, pos, word) THEN
				t.SetAttr(pos, pos + LEN(word$), TextModels.NewColor(TextModels.dir.attr, color));
				INC(pos, LEN(word$)); INC(n)
			ELSE INC(pos)
			END
		END;
		RETURN n
	END Highlight;

END BenchTextColor.
