MODULE BenchSquares;

	IMPORT StdLog;

	PROCEDURE Squares* (n: INTEGER);
	BEGIN
	END Squares;

END BenchSquares.
