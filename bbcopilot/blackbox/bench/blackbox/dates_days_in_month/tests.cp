MODULE BenchDaysInMonthTest;

	IMPORT BenchCheck, BenchDaysInMonth;

	PROCEDURE Run*;
	BEGIN
		BenchCheck.Int(1, BenchDaysInMonth.DaysInMonth(2024, 2), 29);
		BenchCheck.Int(2, BenchDaysInMonth.DaysInMonth(2023, 2), 28);
		BenchCheck.Int(3, BenchDaysInMonth.DaysInMonth(1900, 2), 28);
		BenchCheck.Int(4, BenchDaysInMonth.DaysInMonth(2000, 2), 29);
		BenchCheck.Int(5, BenchDaysInMonth.DaysInMonth(2026, 12), 31);
		BenchCheck.Int(6, BenchDaysInMonth.DaysInMonth(2026, 4), 30);
		BenchCheck.Int(7, BenchDaysInMonth.DaysInMonth(1500, 2), 29);
		BenchCheck.Int(8, BenchDaysInMonth.DaysInMonth(1582, 10), 21)
	END Run;

END BenchDaysInMonthTest.
