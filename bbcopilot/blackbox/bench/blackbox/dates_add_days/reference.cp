MODULE BenchAddDays;

	IMPORT Dates;

	PROCEDURE AddDays* (VAR d: Dates.Date; n: INTEGER);
	BEGIN
		Dates.DayToDate(Dates.Day(d) + n, d)
	END AddDays;

END BenchAddDays.
