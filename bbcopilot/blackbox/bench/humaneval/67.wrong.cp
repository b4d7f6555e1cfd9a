MODULE BenchHe67;

	PROCEDURE FruitDistribution* (IN s: ARRAY OF CHAR; n: INTEGER): INTEGER;
		VAR i, apples: INTEGER;
	BEGIN
		i := 0; apples := 0;
		WHILE (s[i] >= "0") & (s[i] <= "9") DO apples := 10 * apples + ORD(s[i]) - ORD("0"); INC(i) END;
		RETURN n - apples
	END FruitDistribution;

END BenchHe67.
