MODULE BenchHe82;

	PROCEDURE PrimeLength* (IN string0: ARRAY OF CHAR): BOOLEAN;
		VAR n, d: INTEGER;
	BEGIN
		n := LEN(string0$);
		d := 2;
		WHILE d * d <= n DO
			IF n MOD d = 0 THEN RETURN FALSE END;
			INC(d)
		END;
		RETURN TRUE
	END PrimeLength;

END BenchHe82.
