MODULE BenchReplaceAll;

	IMPORT Strings;

	(* Goes on searching after the replaced pattern's length, not the replacement's. *)
	PROCEDURE ReplaceAll* (VAR s: ARRAY OF CHAR; IN pat, rep: ARRAY OF CHAR): INTEGER;
		VAR pos, n: INTEGER;
	BEGIN
		n := 0;
		Strings.Find(s, pat, 0, pos);
		WHILE pos >= 0 DO
			Strings.Replace(s, pos, LEN(pat$), rep); INC(n);
			Strings.Find(s, pat, pos + LEN(pat$), pos)
		END;
		RETURN n
	END ReplaceAll;

END BenchReplaceAll.
