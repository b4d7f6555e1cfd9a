MODULE BenchDaysInMonth;

	IMPORT Dates;

	PROCEDURE DaysInMonth* (year, month: INTEGER): INTEGER;
	BEGIN
		RETURN 0
	END DaysInMonth;

END BenchDaysInMonth.
