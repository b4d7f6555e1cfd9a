MODULE BenchAddDays;

	IMPORT Dates;

	PROCEDURE AddDays* (VAR d: Dates.Date; n: INTEGER);
	BEGIN
	END AddDays;

END BenchAddDays.
