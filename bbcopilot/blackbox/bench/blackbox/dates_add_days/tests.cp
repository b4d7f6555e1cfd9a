MODULE BenchAddDaysTest;

	IMPORT Dates, BenchCheck, BenchAddDays;

	(* Case `case`: AddDays(year/month/day, n) gives the date written yyyymmdd as `want`. *)
	PROCEDURE Check (case, year, month, day, n, want: INTEGER);
		VAR d: Dates.Date;
	BEGIN
		d.year := year; d.month := month; d.day := day;
		BenchAddDays.AddDays(d, n);
		BenchCheck.Int(case, d.year * 10000 + d.month * 100 + d.day, want)
	END Check;

	PROCEDURE Run*;
	BEGIN
		Check(1, 2024, 2, 28, 2, 20240301);
		Check(2, 2023, 2, 28, 1, 20230301);
		Check(3, 2026, 12, 31, 1, 20270101);
		Check(4, 2024, 3, 1, -1, 20240229);
		Check(5, 2026, 12, 1, 0, 20261201);
		Check(6, 2026, 12, 1, 365, 20271201);
		Check(7, 1582, 10, 4, 1, 15821015);
		Check(8, 1500, 3, 1, -1, 15000229)
	END Run;

END BenchAddDaysTest.
