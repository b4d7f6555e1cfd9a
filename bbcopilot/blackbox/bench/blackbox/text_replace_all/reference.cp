MODULE BenchTextReplace;

	IMPORT TextModels;

	(* Whether t holds old at pos. *)
	PROCEDURE At (t: TextModels.Model; r: TextModels.Reader; pos: INTEGER; IN old: ARRAY OF CHAR): BOOLEAN;
		VAR i: INTEGER; ch: CHAR;
	BEGIN
		IF pos + LEN(old$) > t.Length() THEN RETURN FALSE END;
		r.SetPos(pos); i := 0; r.ReadChar(ch);
		WHILE (old[i] # 0X) & (ch = old[i]) DO INC(i); r.ReadChar(ch) END;
		RETURN old[i] = 0X
	END At;

	PROCEDURE ReplaceAll* (t: TextModels.Model; IN old, new: ARRAY OF CHAR): INTEGER;
		VAR r: TextModels.Reader; w: TextModels.Writer; pos, n, i: INTEGER;
	BEGIN
		r := t.NewReader(NIL); w := t.NewWriter(NIL); pos := 0; n := 0;
		WHILE pos + LEN(old$) <= t.Length() DO
			IF At(t, r, pos, old) THEN
				t.Delete(pos, pos + LEN(old$));
				w.SetPos(pos); i := 0;
				WHILE new[i] # 0X DO w.WriteChar(new[i]); INC(i) END;
				INC(pos, LEN(new$)); INC(n)
			ELSE
				INC(pos)
			END
		END;
		RETURN n
	END ReplaceAll;

END BenchTextReplace.
