MODULE BenchHe49;

	(* Wrong: computes 2^n first, which overflows INTEGER for n > 30. *)
	PROCEDURE Modp* (n, p: INTEGER): INTEGER;
		VAR r, i: INTEGER;
	BEGIN
		r := 1;
		FOR i := 1 TO n DO r := 2 * r END;
		RETURN r MOD p
	END Modp;

END BenchHe49.
