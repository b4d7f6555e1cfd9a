MODULE BenchHe31;

	(* Wrong: stops before the square root, so squares of primes pass as primes. *)
	PROCEDURE IsPrime* (n: INTEGER): BOOLEAN;
		VAR d: INTEGER;
	BEGIN
		IF n < 2 THEN RETURN FALSE END;
		d := 2;
		WHILE d * d < n DO
			IF n MOD d = 0 THEN RETURN FALSE END;
			INC(d)
		END;
		RETURN TRUE
	END IsPrime;

END BenchHe31.
