MODULE BenchHe7;

	IMPORT Strings, BenchTypes;

	PROCEDURE Contains (IN s, part: ARRAY OF CHAR): BOOLEAN;
		VAR pos: INTEGER;
	BEGIN
		Strings.Find(s, part, 0, pos);
		RETURN pos >= 0
	END Contains;

	PROCEDURE FilterBySubstring* (IN strings: ARRAY OF BenchTypes.String; IN substring: ARRAY OF CHAR): BenchTypes.StringList;
		VAR r: BenchTypes.StringList; i, n: INTEGER;
	BEGIN
		n := 0;
		FOR i := 0 TO LEN(strings) - 1 DO
			IF Contains(strings[i]^, substring) THEN INC(n) END
		END;
		IF n = 0 THEN RETURN NIL END;	(* BlackBox has no empty arrays *)
		NEW(r, n); n := 0;
		FOR i := 0 TO LEN(strings) - 1 DO
			IF Contains(strings[i]^, substring) THEN r[n] := BenchTypes.NewString(strings[i]^); INC(n) END
		END;
		RETURN r
	END FilterBySubstring;

END BenchHe7.
