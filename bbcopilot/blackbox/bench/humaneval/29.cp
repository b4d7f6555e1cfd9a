MODULE BenchHe29;

	IMPORT Strings, BenchTypes;

	PROCEDURE StartsWith (IN s, prefix: ARRAY OF CHAR): BOOLEAN;
		VAR pos: INTEGER;
	BEGIN
		Strings.Find(s, prefix, 0, pos);
		RETURN pos = 0
	END StartsWith;

	PROCEDURE FilterByPrefix* (IN strings: ARRAY OF BenchTypes.String; IN prefix: ARRAY OF CHAR): BenchTypes.StringList;
		VAR r: BenchTypes.StringList; i, n: INTEGER;
	BEGIN
		n := 0;
		FOR i := 0 TO LEN(strings) - 1 DO
			IF StartsWith(strings[i]^, prefix) THEN INC(n) END
		END;
		IF n = 0 THEN RETURN NIL END;	(* BlackBox has no empty arrays *)
		NEW(r, n); n := 0;
		FOR i := 0 TO LEN(strings) - 1 DO
			IF StartsWith(strings[i]^, prefix) THEN r[n] := BenchTypes.NewString(strings[i]^); INC(n) END
		END;
		RETURN r
	END FilterByPrefix;

END BenchHe29.
