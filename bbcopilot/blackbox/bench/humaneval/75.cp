MODULE BenchHe75;

	PROCEDURE IsMultiplyPrime* (a: INTEGER): BOOLEAN;
		VAR d, factors: INTEGER;
	BEGIN
		factors := 0; d := 2;
		WHILE d * d <= a DO
			WHILE a MOD d = 0 DO INC(factors); a := a DIV d END;
			INC(d)
		END;
		IF a > 1 THEN INC(factors) END;
		RETURN factors = 3	(* prime factors counted with their multiplicity *)
	END IsMultiplyPrime;

END BenchHe75.
