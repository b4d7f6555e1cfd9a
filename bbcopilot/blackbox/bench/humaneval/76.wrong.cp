MODULE BenchHe76;

	PROCEDURE IsSimplePower* (x, n: INTEGER): BOOLEAN;
		VAR power: INTEGER;
	BEGIN
		IF n = 1 THEN RETURN x = 1 END;
		power := n;
		WHILE power < x DO power := power * n END;
		RETURN power = x
	END IsSimplePower;

END BenchHe76.
