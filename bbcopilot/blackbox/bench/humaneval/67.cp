MODULE BenchHe67;

	(* The number that starts at s[i] or after it; i is left after its last digit. *)
	PROCEDURE NextNumber (IN s: ARRAY OF CHAR; VAR i: INTEGER): INTEGER;
		VAR x: INTEGER;
	BEGIN
		WHILE (s[i] # 0X) & ((s[i] < "0") OR (s[i] > "9")) DO INC(i) END;
		x := 0;
		WHILE (s[i] >= "0") & (s[i] <= "9") DO x := 10 * x + ORD(s[i]) - ORD("0"); INC(i) END;
		RETURN x
	END NextNumber;

	PROCEDURE FruitDistribution* (IN s: ARRAY OF CHAR; n: INTEGER): INTEGER;
		VAR i, apples, oranges: INTEGER;
	BEGIN
		i := 0;
		apples := NextNumber(s, i); oranges := NextNumber(s, i);
		RETURN n - apples - oranges
	END FruitDistribution;

END BenchHe67.
