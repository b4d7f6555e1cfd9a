MODULE BenchHe13;

	(* Wrong: the largest number that divides either, not both. *)
	PROCEDURE GreatestCommonDivisor* (a, b: INTEGER): INTEGER;
		VAR d: INTEGER;
	BEGIN
		d := MIN(a, b);
		WHILE (a MOD d # 0) & (b MOD d # 0) DO DEC(d) END;
		RETURN d
	END GreatestCommonDivisor;

END BenchHe13.
