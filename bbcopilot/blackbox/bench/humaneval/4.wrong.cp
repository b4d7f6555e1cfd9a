MODULE BenchHe4;

	PROCEDURE MeanAbsoluteDeviation* (IN numbers: ARRAY OF REAL): REAL;
		VAR i: INTEGER; mean, sum: REAL;
	BEGIN
		mean := 0;
		FOR i := 0 TO LEN(numbers) - 1 DO mean := mean + numbers[i] END;
		mean := mean / LEN(numbers);
		sum := 0;
		FOR i := 0 TO LEN(numbers) - 1 DO sum := sum + ABS(numbers[i] - mean) END;
		RETURN sum / (LEN(numbers) - 1)
	END MeanAbsoluteDeviation;

END BenchHe4.
