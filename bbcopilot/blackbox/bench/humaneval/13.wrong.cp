MODULE BenchHe13;

	PROCEDURE GreatestCommonDivisor* (a, b: INTEGER): INTEGER;
		VAR d: INTEGER;
	BEGIN
		d := MIN(a, b);
		WHILE (a MOD d # 0) & (b MOD d # 0) DO DEC(d) END;
		RETURN d
	END GreatestCommonDivisor;

END BenchHe13.
