package mcp

// What each tool tells the agent. Agents read these to decide when to call
// a tool, so they say when, not only what.
const (
	describeLogStep = `Report what you are doing to the person supervising you, who follows along on a dashboard or phone.
Call it at each meaningful step: when you start a task, finish a part of it, change plans, or hit a problem. Keep each step one short sentence.
On your first call leave agent_instance_id empty: a new session id is returned. Pass that same id on every later call (log_step, ask_question, send_message, end_session) so everything lands in one session.
The result's user_feedback holds messages the person sent you since your last call: read them and adjust your work.`

	describeAskQuestion = `Ask the person a question and wait for the answer. Use it when you need a decision, an approval, or information only they have, instead of guessing.
It blocks until they answer (they are notified), so ask one clear, self-contained question at a time. Pass the agent_instance_id of your session.
Give options when the answer is a choice: the person gets one button per option, and unless allow_other is true the answer is one of them.
Set timeout_seconds and default_answer when you can go on without them: after the timeout you get the default, marked defaulted.
If the call is interrupted, resume waiting with wait_for_answer and the question_id.`

	describeWaitForAnswer = `Wait again for the answer to a question you already asked with ask_question, for example after a disconnect or restart. Pass its question_id. Returns at once if it was answered meanwhile.`

	describeSendMessage = `Send the person a notice that needs no answer (a result, a link, a warning). It does not block. Pass the agent_instance_id of your session, or leave it empty to start one.
The result's user_feedback holds messages the person sent you since your last call.`

	describeEndSession = `End your session when your task is complete, so the person sees it as done. Pass the agent_instance_id of your session. Call it once, at the very end.`
)
