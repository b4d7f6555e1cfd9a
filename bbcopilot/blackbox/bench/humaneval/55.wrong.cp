MODULE BenchHe55;

	PROCEDURE Fib* (n: INTEGER): INTEGER;
		VAR a, b, t, i: INTEGER;
	BEGIN
		a := 0; b := 1;
		FOR i := 2 TO n DO t := a + b; a := b; b := t END;
		RETURN a
	END Fib;

END BenchHe55.
