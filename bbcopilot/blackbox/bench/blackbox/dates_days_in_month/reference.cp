MODULE BenchDaysInMonth;

	IMPORT Dates;

	PROCEDURE DaysInMonth* (year, month: INTEGER): INTEGER;
		VAR first, next: Dates.Date;
	BEGIN
		first.year := year; first.month := month; first.day := 1;
		IF month = 12 THEN next.year := year + 1; next.month := 1 ELSE next.year := year; next.month := month + 1 END;
		next.day := 1;
		IF next.year > 9999 THEN RETURN 31 END; (* December 9999: no next month to count to *)
		RETURN Dates.Day(next) - Dates.Day(first)
	END DaysInMonth;

END BenchDaysInMonth.
