MODULE BenchHe64;

	PROCEDURE VowelsCount* (IN s: ARRAY OF CHAR): INTEGER;
		VAR i, count: INTEGER;
	BEGIN
		count := 0;
		FOR i := 0 TO LEN(s$) - 1 DO
			CASE s[i] OF
			| "a", "e", "i", "o", "u", "y", "A", "E", "I", "O", "U", "Y": INC(count)
			ELSE
			END
		END;
		RETURN count
	END VowelsCount;

END BenchHe64.
