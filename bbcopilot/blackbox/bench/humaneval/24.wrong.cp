MODULE BenchHe24;

	PROCEDURE LargestDivisor* (n: INTEGER): INTEGER;
		VAR d: INTEGER;
	BEGIN
		d := n;
		WHILE n MOD d # 0 DO DEC(d) END;
		RETURN d
	END LargestDivisor;

END BenchHe24.
