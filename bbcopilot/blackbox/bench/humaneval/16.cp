MODULE BenchHe16;

	IMPORT Strings;

	PROCEDURE CountDistinctCharacters* (IN string0: ARRAY OF CHAR): INTEGER;
		VAR i, j, count: INTEGER;
	BEGIN
		count := 0;
		FOR i := 0 TO LEN(string0$) - 1 DO
			j := 0;
			WHILE (j < i) & (Strings.Upper(string0[j]) # Strings.Upper(string0[i])) DO INC(j) END;
			IF j = i THEN INC(count) END	(* first occurrence, regardless of case *)
		END;
		RETURN count
	END CountDistinctCharacters;

END BenchHe16.
