MODULE BenchHe49;

	PROCEDURE Modp* (n, p: INTEGER): INTEGER;
		VAR r, i: INTEGER;
	BEGIN
		r := 1 MOD p;
		FOR i := 1 TO n DO r := 2 * r MOD p END;	(* reduce at each step: 2^n itself overflows *)
		RETURN r
	END Modp;

END BenchHe49.
