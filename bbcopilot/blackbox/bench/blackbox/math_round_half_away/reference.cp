MODULE BenchRoundTo;

	IMPORT Math;

	PROCEDURE RoundTo* (x: REAL; digits: INTEGER): REAL;
		VAR f: REAL;
	BEGIN
		f := Math.IntPower(10, digits);
		IF x >= 0 THEN RETURN ENTIER(x * f + 0.5) / f
		ELSE RETURN -ENTIER(-x * f + 0.5) / f
		END
	END RoundTo;

END BenchRoundTo.
