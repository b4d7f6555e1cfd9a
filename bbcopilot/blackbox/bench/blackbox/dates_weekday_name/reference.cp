MODULE BenchWeekdayName;

	IMPORT Dates;

	PROCEDURE WeekdayName* (year, month, day: INTEGER; OUT name: ARRAY OF CHAR);
		VAR d: Dates.Date;
	BEGIN
		d.year := year; d.month := month; d.day := day;
		IF ~Dates.ValidDate(d) THEN name := ""
		ELSE
			CASE Dates.DayOfWeek(d) OF
			| Dates.monday: name := "понедельник"
			| Dates.tuesday: name := "вторник"
			| Dates.wednesday: name := "среда"
			| Dates.thursday: name := "четверг"
			| Dates.friday: name := "пятница"
			| Dates.saturday: name := "суббота"
			| Dates.sunday: name := "воскресенье"
			END
		END
	END WeekdayName;

END BenchWeekdayName.
