MODULE BenchRoundTo;

	IMPORT Math;

	PROCEDURE RoundTo* (x: REAL; digits: INTEGER): REAL;
	BEGIN
		RETURN 0
	END RoundTo;

END BenchRoundTo.
