MODULE BenchHe28;

	IMPORT BenchTypes;

	PROCEDURE Concatenate* (IN strings: ARRAY OF BenchTypes.String): BenchTypes.String;
		VAR r: BenchTypes.String; i, len: INTEGER;
	BEGIN
		len := 0;
		FOR i := 0 TO LEN(strings) - 1 DO len := len + LEN(strings[i]$) END;
		NEW(r, len + 1); r^ := "";
		FOR i := 0 TO LEN(strings) - 2 DO r^ := r^ + strings[i]^ END;
		RETURN r
	END Concatenate;

END BenchHe28.
