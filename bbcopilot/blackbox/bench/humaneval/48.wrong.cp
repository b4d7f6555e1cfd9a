MODULE BenchHe48;

	PROCEDURE IsPalindrome* (IN text: ARRAY OF CHAR): BOOLEAN;
		VAR i, n: INTEGER;
	BEGIN
		n := LEN(text$);
		FOR i := 0 TO n DIV 2 - 1 DO
			IF text[i] # text[n - i] THEN RETURN FALSE END
		END;
		RETURN TRUE
	END IsPalindrome;

END BenchHe48.
