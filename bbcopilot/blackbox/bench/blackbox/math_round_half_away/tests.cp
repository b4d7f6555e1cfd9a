MODULE BenchRoundToTest;

	IMPORT BenchCheck, BenchRoundTo;

	PROCEDURE Run*;
	BEGIN
		BenchCheck.Real(1, BenchRoundTo.RoundTo(2.5, 0), 3);
		BenchCheck.Real(2, BenchRoundTo.RoundTo(-2.5, 0), -3);
		BenchCheck.Real(3, BenchRoundTo.RoundTo(1.375, 2), 1.38);
		BenchCheck.Real(4, BenchRoundTo.RoundTo(-1.375, 2), -1.38);
		BenchCheck.Real(5, BenchRoundTo.RoundTo(3.14159, 3), 3.142);
		BenchCheck.Real(6, BenchRoundTo.RoundTo(1234.5, -2), 1200);
		BenchCheck.Real(7, BenchRoundTo.RoundTo(-0.4, 0), 0);
		BenchCheck.Real(8, BenchRoundTo.RoundTo(-7.25, 1), -7.3)
	END Run;

END BenchRoundToTest.
