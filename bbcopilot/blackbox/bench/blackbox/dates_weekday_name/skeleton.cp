MODULE BenchWeekdayName;

	IMPORT Dates;

	PROCEDURE WeekdayName* (year, month, day: INTEGER; OUT name: ARRAY OF CHAR);
	BEGIN
		name := ""
	END WeekdayName;

END BenchWeekdayName.
