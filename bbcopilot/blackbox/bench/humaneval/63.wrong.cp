MODULE BenchHe63;

	PROCEDURE Fibfib* (n: INTEGER): INTEGER;
		VAR a, b, c, t, i: INTEGER;
	BEGIN
		a := 0; b := 1; c := 1;
		FOR i := 1 TO n DO t := a + b + c; a := b; b := c; c := t END;
		RETURN a
	END Fibfib;

END BenchHe63.
