MODULE BenchHe3;

	PROCEDURE BelowZero* (IN operations: ARRAY OF INTEGER): BOOLEAN;
		VAR i, balance: INTEGER;
	BEGIN
		balance := 0;
		FOR i := 0 TO LEN(operations) - 1 DO
			balance := balance + operations[i];
			IF balance <= 0 THEN RETURN TRUE END
		END;
		RETURN FALSE
	END BelowZero;

END BenchHe3.
