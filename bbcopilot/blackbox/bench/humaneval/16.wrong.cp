MODULE BenchHe16;

	PROCEDURE CountDistinctCharacters* (IN string0: ARRAY OF CHAR): INTEGER;
		VAR i, j, count: INTEGER;
	BEGIN
		count := 0;
		FOR i := 0 TO LEN(string0$) - 1 DO
			j := 0;
			WHILE (j < i) & (string0[j] # string0[i]) DO INC(j) END;
			IF j = i THEN INC(count) END
		END;
		RETURN count
	END CountDistinctCharacters;

END BenchHe16.
