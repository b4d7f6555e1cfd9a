MODULE BenchHe75;

	PROCEDURE IsMultiplyPrime* (a: INTEGER): BOOLEAN;
		VAR d, factors: INTEGER;
	BEGIN
		factors := 0; d := 2;
		WHILE d * d <= a DO
			IF a MOD d = 0 THEN
				INC(factors);
				WHILE a MOD d = 0 DO a := a DIV d END
			END;
			INC(d)
		END;
		IF a > 1 THEN INC(factors) END;
		RETURN factors = 3
	END IsMultiplyPrime;

END BenchHe75.
