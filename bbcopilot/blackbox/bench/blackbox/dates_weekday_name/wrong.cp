MODULE BenchWeekdayName;

	IMPORT Dates;

	(* Counts the week from Sunday = 0, as C's tm_wday does; Dates starts it with monday = 0. *)
	PROCEDURE WeekdayName* (year, month, day: INTEGER; OUT name: ARRAY OF CHAR);
		VAR d: Dates.Date;
	BEGIN
		d.year := year; d.month := month; d.day := day;
		IF ~Dates.ValidDate(d) THEN name := ""
		ELSE
			CASE Dates.DayOfWeek(d) OF
			| 0: name := "воскресенье"
			| 1: name := "понедельник"
			| 2: name := "вторник"
			| 3: name := "среда"
			| 4: name := "четверг"
			| 5: name := "пятница"
			| 6: name := "суббота"
			END
		END
	END WeekdayName;

END BenchWeekdayName.
