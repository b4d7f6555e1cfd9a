MODULE BenchDaysInMonth;

	IMPORT Dates;

	(* The proleptic Gregorian rule for every year, as most libraries have it. *)
	PROCEDURE DaysInMonth* (year, month: INTEGER): INTEGER;
	BEGIN
		CASE month OF
		| 4, 6, 9, 11: RETURN 30
		| 2:
			IF (year MOD 4 = 0) & (year MOD 100 # 0) OR (year MOD 400 = 0) THEN RETURN 29 ELSE RETURN 28 END
		ELSE RETURN 31
		END
	END DaysInMonth;

END BenchDaysInMonth.
