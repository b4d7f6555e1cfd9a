MODULE BenchHe49;

	PROCEDURE Modp* (n, p: INTEGER): INTEGER;
		VAR r, i: INTEGER;
	BEGIN
		r := 1;
		FOR i := 1 TO n DO r := 2 * r END;
		RETURN r MOD p
	END Modp;

END BenchHe49.
