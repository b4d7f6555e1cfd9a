MODULE BenchAddDays;

	IMPORT Dates;

	(* Steps day by day with the Gregorian month lengths for every year: no Julian years, no 1582 gap. *)
	PROCEDURE Length (year, month: INTEGER): INTEGER;
	BEGIN
		CASE month OF
		| 4, 6, 9, 11: RETURN 30
		| 2: IF (year MOD 4 = 0) & (year MOD 100 # 0) OR (year MOD 400 = 0) THEN RETURN 29 ELSE RETURN 28 END
		ELSE RETURN 31
		END
	END Length;

	PROCEDURE AddDays* (VAR d: Dates.Date; n: INTEGER);
	BEGIN
		WHILE n > 0 DO
			INC(d.day);
			IF d.day > Length(d.year, d.month) THEN
				d.day := 1; INC(d.month);
				IF d.month > 12 THEN d.month := 1; INC(d.year) END
			END;
			DEC(n)
		END;
		WHILE n < 0 DO
			DEC(d.day);
			IF d.day < 1 THEN
				DEC(d.month);
				IF d.month < 1 THEN d.month := 12; DEC(d.year) END;
				d.day := Length(d.year, d.month)
			END;
			INC(n)
		END
	END AddDays;

END BenchAddDays.
