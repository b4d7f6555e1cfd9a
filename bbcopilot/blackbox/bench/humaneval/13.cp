MODULE BenchHe13;

	PROCEDURE GreatestCommonDivisor* (a, b: INTEGER): INTEGER;
		VAR t: INTEGER;
	BEGIN
		WHILE b # 0 DO t := a MOD b; a := b; b := t END;
		RETURN a
	END GreatestCommonDivisor;

END BenchHe13.
