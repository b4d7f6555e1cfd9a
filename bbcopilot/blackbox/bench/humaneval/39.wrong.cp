MODULE BenchHe39;

	PROCEDURE IsPrime (n: INTEGER): BOOLEAN;
		VAR d: INTEGER;
	BEGIN
		IF n < 1 THEN RETURN FALSE END;
		d := 2;
		WHILE d * d <= n DO
			IF n MOD d = 0 THEN RETURN FALSE END;
			INC(d)
		END;
		RETURN TRUE
	END IsPrime;

	PROCEDURE PrimeFib* (n: INTEGER): INTEGER;
		VAR a, b, t: INTEGER;
	BEGIN
		a := 0; b := 1;
		WHILE n > 0 DO
			t := a + b; a := b; b := t;
			IF IsPrime(a) THEN DEC(n) END
		END;
		RETURN a
	END PrimeFib;

END BenchHe39.
