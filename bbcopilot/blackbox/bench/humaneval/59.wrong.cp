MODULE BenchHe59;

	PROCEDURE LargestPrimeFactor* (n: INTEGER): INTEGER;
		VAR d, largest: INTEGER;
	BEGIN
		largest := 1; d := 2;
		WHILE d * d <= n DO
			WHILE n MOD d = 0 DO largest := d; n := n DIV d END;
			INC(d)
		END;
		RETURN largest
	END LargestPrimeFactor;

END BenchHe59.
