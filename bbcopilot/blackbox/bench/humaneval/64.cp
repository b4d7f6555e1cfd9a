MODULE BenchHe64;

	PROCEDURE VowelsCount* (IN s: ARRAY OF CHAR): INTEGER;
		VAR i, n, count: INTEGER;
	BEGIN
		n := LEN(s$); count := 0;
		FOR i := 0 TO n - 1 DO
			CASE s[i] OF
			| "a", "e", "i", "o", "u", "A", "E", "I", "O", "U": INC(count)
			| "y", "Y": IF i = n - 1 THEN INC(count) END	(* a vowel only at the end of the word *)
			ELSE
			END
		END;
		RETURN count
	END VowelsCount;

END BenchHe64.
