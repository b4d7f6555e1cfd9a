MODULE BenchHe18;

	IMPORT Strings;

	PROCEDURE HowManyTimes* (IN string0, substring: ARRAY OF CHAR): INTEGER;
		VAR count, pos: INTEGER;
	BEGIN
		count := 0;
		Strings.Find(string0, substring, 0, pos);
		WHILE pos >= 0 DO
			INC(count);
			Strings.Find(string0, substring, pos + LEN(substring$), pos)
		END;
		RETURN count
	END HowManyTimes;

END BenchHe18.
