MODULE BenchSquares;

	IMPORT StdLog;

	PROCEDURE Squares* (n: INTEGER);
		VAR i: INTEGER;
	BEGIN
		FOR i := 1 TO n DO
			StdLog.IntForm(i, StdLog.decimal, 3, " ", StdLog.hideBase); StdLog.Tab;
			StdLog.IntForm(i * i, StdLog.decimal, 6, " ", StdLog.hideBase); StdLog.Ln
		END
	END Squares;

END BenchSquares.
