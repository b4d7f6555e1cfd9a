MODULE BenchHe23;

	PROCEDURE Strlen* (IN string0: ARRAY OF CHAR): INTEGER;
	BEGIN
		RETURN LEN(string0)
	END Strlen;

END BenchHe23.
