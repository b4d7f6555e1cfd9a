MODULE BenchCapitalizeTest;

	IMPORT BenchCheck, BenchCapitalize;

	PROCEDURE Check (case: INTEGER; IN s, want: ARRAY OF CHAR);
		VAR res: ARRAY 256 OF CHAR;
	BEGIN
		BenchCapitalize.Capitalize(s, res); BenchCheck.Str(case, res, want)
	END Check;

	PROCEDURE Run*;
	BEGIN
		Check(1, "иван петров", "Иван Петров");
		Check(2, "мария РОМАНОВА", "Мария Романова");
		Check(3, "ёлка и сосна", "Ёлка И Сосна");
		Check(4, "hello WORLD", "Hello World");
		Check(5, "  два  пробела ", "  Два  Пробела ");
		Check(6, "", "")
	END Run;

END BenchCapitalizeTest.
