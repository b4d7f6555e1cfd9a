MODULE BenchWeekdayNameTest;

	IMPORT BenchCheck, BenchWeekdayName;

	PROCEDURE Check (case, year, month, day: INTEGER; IN want: ARRAY OF CHAR);
		VAR name: ARRAY 32 OF CHAR;
	BEGIN
		name := "?";
		BenchWeekdayName.WeekdayName(year, month, day, name); BenchCheck.Str(case, name, want)
	END Check;

	PROCEDURE Run*;
	BEGIN
		Check(1, 1961, 4, 12, "среда");
		Check(2, 2026, 12, 1, "вторник");
		Check(3, 2024, 2, 29, "четверг");
		Check(4, 2023, 2, 29, "");
		Check(5, 2000, 1, 2, "воскресенье");
		Check(6, 1582, 10, 4, "четверг");
		Check(7, 1582, 10, 10, "")
	END Run;

END BenchWeekdayNameTest.
