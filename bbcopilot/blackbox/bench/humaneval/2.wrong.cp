MODULE BenchHe2;

	PROCEDURE TruncateNumber* (number: REAL): REAL;
	BEGIN
		RETURN number - ENTIER(number + 0.5)
	END TruncateNumber;

END BenchHe2.
