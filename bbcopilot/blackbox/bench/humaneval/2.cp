MODULE BenchHe2;

	PROCEDURE TruncateNumber* (number: REAL): REAL;
	BEGIN
		RETURN number - ENTIER(number)
	END TruncateNumber;

END BenchHe2.
