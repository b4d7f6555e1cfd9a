MODULE BenchHe80;

	PROCEDURE IsHappy* (IN s: ARRAY OF CHAR): BOOLEAN;
		VAR i, n: INTEGER;
	BEGIN
		n := LEN(s$);
		IF n < 3 THEN RETURN FALSE END;
		FOR i := 0 TO n - 3 DO
			IF (s[i] = s[i + 1]) OR (s[i + 1] = s[i + 2]) THEN RETURN FALSE END
		END;
		RETURN TRUE
	END IsHappy;

END BenchHe80.
